/** Notifications: e-mail, Slack and signed webhooks about plan runs; see docs/notifications.md. */
export { channelsFor, signature, type Channel } from './channels.js';
export { buildMessage, eventOf, type NotificationMessage, type RunReport } from './message.js';
export {
  deliver,
  type DeliveryContext,
  type DeliveryOptions,
  type DeliveryResult,
} from './deliver.js';
