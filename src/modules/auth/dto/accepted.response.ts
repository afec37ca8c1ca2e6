/** A request taken in: its effect (an email) follows asynchronously. */
export class AcceptedResponse {
  /** What happens next, in words for the user. */
  message: string;
}
