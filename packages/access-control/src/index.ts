// Scaffold: @rampart/access-control is being written.
export {};
