// Scaffold: @rampart/sessions is being written.
export {};
