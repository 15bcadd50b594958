package vclock_test

import (
	"context"
	"fmt"
	"time"

	"github.com/tapekit/tapekit/simulator/vclock"
)

// Three workers share one robot; each needs it for 10 s, then works on its
// own for a minute. Their minutes overlap; the robot serves them in turn.
func Example() {
	vc := vclock.New(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), nil)
	robot := vclock.NewResource(vc, "robot", 1)
	t0 := vc.Now()

	ctx, leave := vc.Join(context.Background(), "main")
	for i := range 3 {
		vc.Go(ctx, fmt.Sprintf("worker %d", i), func(ctx context.Context) {
			robot.Acquire(ctx)
			vc.SleepContext(ctx, 10*time.Second)
			robot.Release(ctx)
			vc.SleepContext(ctx, time.Minute)
			fmt.Printf("worker %d done at +%v\n", i, vc.Since(t0))
		})
	}
	leave()
	vc.Wait()
	// Output:
	// worker 0 done at +1m10s
	// worker 1 done at +1m20s
	// worker 2 done at +1m30s
}
