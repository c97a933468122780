import { Feedback } from './feedback.entity';
import { PredictionLog } from './prediction-log.entity';
import { TrafficSplit } from './traffic-split.entity';

/** The prediction subgraph's tables (PostgreSQL schema `prediction`). */
export const predictionEntities = [TrafficSplit, PredictionLog, Feedback];
