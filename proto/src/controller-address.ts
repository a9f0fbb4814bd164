/** Where the CLI finds the controller's gRPC API, and where a controller listens, by default. */
export const DEFAULT_CONTROLLER_ADDRESS = '127.0.0.1:7070';
