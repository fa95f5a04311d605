//go:build !race

package mirosim

const raceEnabled = false
