//go:build !unix

package main

// Elsewhere (Windows) the SDK runs in this process, unsupervised: process
// groups and the signals the supervisor relies on are Unix's.
func dispatch([]string) int { return runSDK() }
