// Scaffold: @rampart/mfa is being written.
export {};
