//go:build unix && !linux

package main

// Elsewhere the SDK starts its connector service itself: without a child
// subreaper the supervisor could not notice the service quitting, and the
// runner would retry it forever. The outcome record still decides; a runner
// that exits 0 without one is counted as a failure.
const shimSupported = false

const servicePidFile = "service.pid"

func shim() int { return runSDK() }

func becomeSubreaper() {}

func prepareRunner() {}

func serviceQuit(string) (string, bool) { return "", false }
