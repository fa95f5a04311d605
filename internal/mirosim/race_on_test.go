//go:build race

package mirosim

const raceEnabled = true
