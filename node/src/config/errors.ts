/** A flag or environment variable is unknown or has a bad value; the program exits 2. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
  }
}
