// Shared test fixtures, assertions and process harnesses. Only test targets and punctual-bench
// import this module.
