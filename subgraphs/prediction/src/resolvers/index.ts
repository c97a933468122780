import type { NonEmptyArray } from 'type-graphql';
import { PredictionResolver } from './prediction.resolver';
import { TrafficSplitResolver } from './traffic-split.resolver';

// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
export const predictionResolvers: NonEmptyArray<Function> = [PredictionResolver, TrafficSplitResolver];
