/** What a `webhooks` queue job carries: the delivery to attempt (its body is in the row). */
export interface DeliveryJobData {
  deliveryId: string;
}
