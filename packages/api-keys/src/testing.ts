// Scaffold: @rampart/api-keys is being written.
export {};
