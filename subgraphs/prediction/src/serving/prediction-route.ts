/** Why a version answered a prediction (served as the GraphQL enum PredictionRoute, types/prediction.type.ts). */
export enum PredictionRoute {
  PRODUCTION = 'PRODUCTION',
  CANARY = 'CANARY',
  SHADOW = 'SHADOW',
  ALIAS = 'ALIAS',
  EXPLICIT = 'EXPLICIT',
}
