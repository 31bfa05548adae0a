import type { EventHandler } from './consumer-runtime.js';
import { customerNotificationHandler } from './customer-notification.js';
import type { EventLog } from './event-log.js';
import { fraudScoringHandler } from './fraud-scoring.js';
import { fulfilmentHandler } from './fulfilment.js';

/** Every consumer group of the order stream; each its own process in a deployment. */
export const CONSUMER_GROUPS = ['fulfilment', 'fraud', 'notification'] as const;
export type ConsumerGroup = (typeof CONSUMER_GROUPS)[number];

export interface GroupDependencies {
  log: EventLog;
  services: { inventory: string; user: string; notification: string };
  fraud: { maxTotalCents: number; maxUnits: number };
}

/** The handler of each group, built from what it talks to. */
export function handlerFor(group: ConsumerGroup, deps: GroupDependencies): EventHandler {
  switch (group) {
    case 'fulfilment':
      return fulfilmentHandler({ inventoryUrl: deps.services.inventory });
    case 'fraud':
      return fraudScoringHandler({ log: deps.log, ...deps.fraud });
    case 'notification':
      return customerNotificationHandler({
        userUrl: deps.services.user,
        notificationUrl: deps.services.notification,
      });
  }
}
