// Scaffold: @rampart/idempotency is being written.
export {};
