/** Named errors of the placement driver. */

export class PlacementError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** An option is out of range; the message names it. */
export class PlacementOptionsError extends PlacementError {}
