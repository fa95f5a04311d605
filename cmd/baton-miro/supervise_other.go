//go:build !unix

package main

// Elsewhere (Windows) the SDK runs in this process, unsupervised: process
// groups and the signals the supervisor relies on are Unix's.
func supervised([]string, func(string) string) bool { return false }

func supervise() int { return 1 }
