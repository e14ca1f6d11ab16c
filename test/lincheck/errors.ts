/** A history the checker cannot interpret (bad times, missing outputs). */
export class InvalidHistoryError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'InvalidHistoryError';
  }
}
