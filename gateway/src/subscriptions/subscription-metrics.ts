import type { Metrics } from '@modelplane/core';
import { Counter, Gauge, Histogram } from 'prom-client';

/** The gateway's subscription metrics, on its /metrics. */
export interface SubscriptionMetrics {
  connections: Gauge;
  clientSubscriptions: Gauge;
  upstreamSubscriptions: Gauge<'subgraph'>;
  eventsDelivered: Counter;
  clientsDropped: Counter<'reason'>;
  upstreamReconnects: Counter<'subgraph'>;
  eventDuration: Histogram;
}

export function subscriptionMetrics(metrics: Metrics): SubscriptionMetrics {
  const registers = [metrics.registry];
  return {
    connections: new Gauge({
      name: 'modelplane_gateway_websocket_connections',
      help: 'Websocket connections open on the gateway',
      registers,
    }),
    clientSubscriptions: new Gauge({
      name: 'modelplane_gateway_client_subscriptions',
      help: 'Subscriptions clients hold on the gateway',
      registers,
    }),
    upstreamSubscriptions: new Gauge({
      name: 'modelplane_gateway_upstream_subscriptions',
      help: 'Subscriptions the gateway holds on subgraphs; identical client subscriptions share one',
      labelNames: ['subgraph'],
      registers,
    }),
    eventsDelivered: new Counter({
      name: 'modelplane_gateway_subscription_events_delivered_total',
      help: 'Subscription results sent to clients (one per client per event)',
      registers,
    }),
    clientsDropped: new Counter({
      name: 'modelplane_gateway_subscription_clients_dropped_total',
      help: 'Websocket clients disconnected by the gateway (slow: fell behind by more than SUBSCRIPTION_MAX_BUFFERED_BYTES)',
      labelNames: ['reason'],
      registers,
    }),
    upstreamReconnects: new Counter({
      name: 'modelplane_gateway_upstream_reconnects_total',
      help: 'Times upstream subscriptions to a subgraph were re-established after its connection was lost',
      labelNames: ['subgraph'],
      registers,
    }),
    eventDuration: new Histogram({
      name: 'modelplane_gateway_subscription_event_duration_seconds',
      help: 'From an upstream event to its result ready for clients (the plan rest: entity fetches on other subgraphs)',
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    }),
  };
}
