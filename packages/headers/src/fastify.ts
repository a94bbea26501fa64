// Scaffold: @rampart/headers is being written.
export {};
