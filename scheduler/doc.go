// Package scheduler is tapekit's volume-batching request scheduler and the
// mover that runs it on a library's drives.
package scheduler
