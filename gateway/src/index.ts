export { startGateway, type RunningGateway, type StartGatewayOptions } from './gateway';
