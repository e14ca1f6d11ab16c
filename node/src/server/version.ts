/** The version reported by `status`; follows package.json. */
export const VERSION = '0.1.0';
