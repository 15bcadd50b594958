package scheduler

// defaultWork is the drive worker Run starts: the mover's runDrive. Tests
// of the core replace Scheduler.work by a fake executor instead.
var defaultWork = (*Scheduler).runDrive
