/** brokerctl: the command-line client. */
export { runBrokerctl, USAGE, CTL_FLAGS, type CliIo } from './brokerctl.js';
export { EXIT, CliError } from './exit-codes.js';
