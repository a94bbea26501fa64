// Scaffold: @rampart/oauth is being written.
export {};
