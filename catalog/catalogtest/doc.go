// Package catalogtest checks that a catalog.Catalog implementation keeps
// the contract, as testing/fstest.TestFS does for file systems.
//
// TestCatalog runs the conformance checks, each on a fresh empty catalog
// from the caller's open function, and returns an error describing every
// failure, so it runs inside go test or from any program:
//
//	func TestConformance(t *testing.T) {
//		err := catalogtest.TestCatalog(ctx, func() (catalog.Catalog, error) {
//			return mycat.Open(ctx, t.TempDir()+"/c.db", nil)
//		})
//		if err != nil {
//			t.Fatal(err)
//		}
//	}
//
// TestHandles checks what only several handles on one database can show:
// writers on different handles (different hosts) racing to reserve volumes
// and commit never share a volume and never lose an update, and a delete
// racing a commit or a relocation of the file's copies leaves no copy
// without its file.
//
// BenchmarkIngest and BenchmarkVolumeListing measure the write path
// (files and copies committed in batches, reported as files/s) and a
// volume listing in tape order (ms/listing and the peak live heap, which
// must not grow with the volume).
//
// CheckModel is a rapid state-machine test: it drives a catalog with
// random operations, valid and invalid, and compares every result with a
// simple in-memory model of the contract.
//
// TestQueue is the conformance suite of a catalog.Queue, run as subtests
// on fresh queues; TestQueueShared checks that queues on one database
// (several hosts) never claim one entry twice; CheckQueueModel is the
// queue's rapid state machine.
package catalogtest
