// Scaffold: @rampart/audit is being written.
export {};
