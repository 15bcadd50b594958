// Package archiver moves the files clients PUT from the disk cache to
// tape: it asks the cache which precious files are due (FlushDue), records
// each in the catalog (path, size, checksums, storage class), submits one
// archive request per file to the scheduler, and marks the file archived
// in the cache once every copy its storage class wants is on tape, so it
// becomes online: a clean disk copy, evictable.
//
// A request that fails or is cancelled is not retried at once: the next
// flush submits the copies the catalog still lacks. After a restart the
// archive requests the scheduler still holds for a file (group
// "archive:PATH") are cancelled before the missing copies are submitted
// again, so a copy is never written twice by two requests.
package archiver
