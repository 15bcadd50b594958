// Package fakesched is an in-memory stand-in for scheduler.Scheduler with
// the same Submit, Get, Cancel and CancelGroup, for tests of the HTTP
// server. Nothing happens to a request by itself: a test starts and
// finishes requests with Start and Finish, and a finished recall is put on
// disk by Config.Deliver, the part a mover and its sink play.
package fakesched
