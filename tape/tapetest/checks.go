package tapetest

import (
	"context"
	"errors"
	"fmt"

	"github.com/tapekit/tapekit/tape"
)

func checkStatus(ctx context.Context, t *tester) error {
	if err := t.d.Rewind(ctx); err != nil {
		return fmt.Errorf("rewind: %w", err)
	}
	st, err := t.d.Status(ctx)
	if err != nil {
		return fmt.Errorf("status: %w", err)
	}
	switch {
	case !st.Loaded:
		return errors.New("status: Loaded is false with a cartridge loaded")
	case !st.BOT:
		return errors.New("status: BOT is false after a rewind")
	case st.MaxBlockSize < t.cfg.BlockSize:
		return fmt.Errorf("status: MaxBlockSize %d is below the suite's block size %d", st.MaxBlockSize, t.cfg.BlockSize)
	}
	return t.at(ctx, "after rewind", 0, 0)
}

func checkWriteRead(ctx context.Context, t *tester) error {
	if err := t.layout(ctx); err != nil {
		return err
	}
	if err := t.d.Rewind(ctx); err != nil {
		return fmt.Errorf("rewind: %w", err)
	}
	l := t.lengths()
	for _, i := range []int{0, 1, 2} {
		if err := t.readBlock(ctx, i, l[i]); err != nil {
			return err
		}
	}
	return nil
}

func checkFilemarkEOD(ctx context.Context, t *tester) error {
	if err := t.layout(ctx); err != nil {
		return err
	}
	if err := t.locate(ctx, 2); err != nil {
		return err
	}
	if err := t.readBlock(ctx, 2, 1000); err != nil {
		return err
	}
	buf := make([]byte, t.cfg.BlockSize)
	n, err := t.d.Read(ctx, buf)
	if err := expect("read at a filemark", err, tape.ErrFilemark, -1); err != nil {
		return err
	}
	if n != 0 {
		return fmt.Errorf("read at a filemark returned %d bytes, want 0", n)
	}
	if err := t.at(ctx, "after reading a filemark", 4, 1); err != nil {
		return err
	}
	if err := t.locate(ctx, 7); err != nil {
		return err
	}
	if err := t.readBlock(ctx, 7, t.cfg.BlockSize/2); err != nil {
		return err
	}
	for range 2 {
		n, err = t.d.Read(ctx, buf)
		if err := expect("read at end of data", err, tape.ErrEndOfData, -1); err != nil {
			return err
		}
		if n != 0 {
			return fmt.Errorf("read at end of data returned %d bytes", n)
		}
		if err := t.at(ctx, "after reading at end of data", 8, 2); err != nil {
			return err
		}
	}
	return nil
}

func checkShortBuffer(ctx context.Context, t *tester) error {
	if err := t.layout(ctx); err != nil {
		return err
	}
	if err := t.locate(ctx, 1); err != nil {
		return err
	}
	buf := make([]byte, 100)
	n, err := t.d.Read(ctx, buf)
	if err := expect("read of a block longer than the buffer", err, tape.ErrBlockTooLong, int64(t.cfg.BlockSize-100)); err != nil {
		return err
	}
	if n != 100 || string(buf) != string(block(1, t.cfg.BlockSize)[:100]) {
		return fmt.Errorf("read into a short buffer gave %d bytes, want the block's first 100", n)
	}
	if err := t.at(ctx, "after a short read", 2, 0); err != nil {
		return err
	}
	// A block shorter than the buffer is no error.
	return t.readBlock(ctx, 2, 1000)
}

func checkPosition(ctx context.Context, t *tester) error {
	if err := t.d.Rewind(ctx); err != nil {
		return err
	}
	steps := []struct {
		do          func() error
		block, file int64
	}{
		{func() error { return t.write(ctx, 0, 10) }, 1, 0},
		{func() error { return t.marks(ctx, 2) }, 3, 2},
		{func() error { return t.write(ctx, 3, 10) }, 4, 2},
	}
	for i, s := range steps {
		if err := s.do(); err != nil {
			return err
		}
		if err := t.at(ctx, fmt.Sprintf("step %d", i), s.block, s.file); err != nil {
			return err
		}
	}
	return nil
}

func checkSpaceBlocks(ctx context.Context, t *tester) error {
	if err := t.layout(ctx); err != nil {
		return err
	}
	if err := t.d.Rewind(ctx); err != nil {
		return err
	}
	if err := t.d.Space(ctx, tape.SpaceBlocks, 2); err != nil {
		return fmt.Errorf("space 2 blocks: %w", err)
	}
	if err := t.at(ctx, "space 2 blocks", 2, 0); err != nil {
		return err
	}
	// Forward into the filemark at 3: stops after it, 1 block spaced.
	if err := expect("space 5 blocks over a filemark", t.d.Space(ctx, tape.SpaceBlocks, 5), tape.ErrFilemark, 4); err != nil {
		return err
	}
	if err := t.at(ctx, "space forward into a filemark", 4, 1); err != nil {
		return err
	}
	// Backward into the same filemark: stops before it.
	if err := expect("space 1 block back over a filemark", t.d.Space(ctx, tape.SpaceBlocks, -1), tape.ErrFilemark, 1); err != nil {
		return err
	}
	if err := t.at(ctx, "space backward into a filemark", 3, 0); err != nil {
		return err
	}
	if err := t.d.Space(ctx, tape.SpaceBlocks, -2); err != nil {
		return fmt.Errorf("space 2 blocks back: %w", err)
	}
	if err := t.readBlock(ctx, 1, t.cfg.BlockSize); err != nil {
		return err
	}
	if err := expect("space back past the beginning", t.d.Space(ctx, tape.SpaceBlocks, -5), tape.ErrBeginningOfMedium, 3); err != nil {
		return err
	}
	if err := t.at(ctx, "space back past the beginning", 0, 0); err != nil {
		return err
	}
	if err := t.locate(ctx, 7); err != nil {
		return err
	}
	if err := expect("space past end of data", t.d.Space(ctx, tape.SpaceBlocks, 5), tape.ErrEndOfData, 4); err != nil {
		return err
	}
	return t.at(ctx, "space past end of data", 8, 2)
}

func checkSpaceFilemarks(ctx context.Context, t *tester) error {
	if err := t.layout(ctx); err != nil {
		return err
	}
	if err := t.d.Rewind(ctx); err != nil {
		return err
	}
	if err := t.d.Space(ctx, tape.SpaceFilemarks, 1); err != nil {
		return fmt.Errorf("fsf 1: %w", err)
	}
	if err := t.readBlock(ctx, 4, t.cfg.BlockSize); err != nil {
		return fmt.Errorf("after fsf 1: %w", err)
	}
	if err := t.d.Space(ctx, tape.SpaceFilemarks, 1); err != nil {
		return fmt.Errorf("fsf 1 again: %w", err)
	}
	if err := t.at(ctx, "fsf to the last file", 7, 2); err != nil {
		return err
	}
	if err := expect("fsf past the last filemark", t.d.Space(ctx, tape.SpaceFilemarks, 1), tape.ErrEndOfData, 1); err != nil {
		return err
	}
	if err := t.at(ctx, "fsf past the last filemark", 8, 2); err != nil {
		return err
	}
	if err := t.locate(ctx, 7); err != nil {
		return err
	}
	if err := t.d.Space(ctx, tape.SpaceFilemarks, -1); err != nil {
		return fmt.Errorf("bsf 1: %w", err)
	}
	if err := t.at(ctx, "bsf 1 (before the filemark)", 6, 1); err != nil {
		return err
	}
	if err := t.locate(ctx, 7); err != nil {
		return err
	}
	if err := t.d.Space(ctx, tape.SpaceFilemarks, -2); err != nil {
		return fmt.Errorf("bsf 2: %w", err)
	}
	if err := t.at(ctx, "bsf 2", 3, 0); err != nil {
		return err
	}
	if err := t.locate(ctx, 7); err != nil {
		return err
	}
	if err := expect("bsf past the beginning", t.d.Space(ctx, tape.SpaceFilemarks, -3), tape.ErrBeginningOfMedium, 1); err != nil {
		return err
	}
	return t.at(ctx, "bsf past the beginning", 0, 0)
}

func checkSpaceEOD(ctx context.Context, t *tester) error {
	if err := t.layout(ctx); err != nil {
		return err
	}
	if err := t.d.Rewind(ctx); err != nil {
		return err
	}
	if err := t.d.Space(ctx, tape.SpaceEndOfData, 0); err != nil {
		return fmt.Errorf("space to end of data: %w", err)
	}
	if err := t.at(ctx, "space to end of data", 8, 2); err != nil {
		return err
	}
	st, err := t.d.Status(ctx)
	if err != nil {
		return fmt.Errorf("status: %w", err)
	}
	if !st.EOD || st.BOT {
		return fmt.Errorf("status at end of data: EOD %v BOT %v", st.EOD, st.BOT)
	}
	return nil
}

func checkLocate(ctx context.Context, t *tester) error {
	if err := t.layout(ctx); err != nil {
		return err
	}
	l := t.lengths()
	for _, b := range []int{5, 0, 7, 4} {
		if err := t.locate(ctx, int64(b)); err != nil {
			return err
		}
		if err := t.readBlock(ctx, b, l[b]); err != nil {
			return fmt.Errorf("after locate %d: %w", b, err)
		}
	}
	if err := t.locate(ctx, 3); err != nil {
		return err
	}
	if err := t.at(ctx, "locate onto a filemark", 3, 0); err != nil {
		return err
	}
	if err := expect("locate past end of data", t.d.Locate(ctx, tape.Position{Block: 100}), tape.ErrEndOfData, -1); err != nil {
		return err
	}
	return t.at(ctx, "locate past end of data", 8, 2)
}

func checkLocateFile(ctx context.Context, t *tester) error {
	if err := t.layout(ctx); err != nil {
		return err
	}
	for _, f := range []struct {
		file, block int64
	}{{1, 4}, {0, 0}, {2, 7}} {
		if err := tape.LocateFile(ctx, t.d, 0, f.file); err != nil {
			return fmt.Errorf("locate file %d: %w", f.file, err)
		}
		if err := t.at(ctx, fmt.Sprintf("locate file %d", f.file), f.block, f.file); err != nil {
			return err
		}
	}
	return expect("locate file past end of data", tape.LocateFile(ctx, t.d, 0, 3), tape.ErrEndOfData, -1)
}

func checkAppend(ctx context.Context, t *tester) error {
	if err := t.layout(ctx); err != nil {
		return err
	}
	if err := t.d.Rewind(ctx); err != nil {
		return err
	}
	if err := t.d.Space(ctx, tape.SpaceEndOfData, 0); err != nil {
		return err
	}
	if err := t.write(ctx, 8, 77); err != nil {
		return err
	}
	if err := t.d.WriteFilemarks(ctx, 1, true); err != nil {
		return err
	}
	if err := t.locate(ctx, 7); err != nil {
		return err
	}
	if err := t.readBlock(ctx, 7, t.cfg.BlockSize/2); err != nil {
		return fmt.Errorf("the block before the append: %w", err)
	}
	if err := t.readBlock(ctx, 8, 77); err != nil {
		return fmt.Errorf("the appended block: %w", err)
	}
	_, err := t.d.Read(ctx, make([]byte, 10))
	return expect("read of the appended filemark", err, tape.ErrFilemark, -1)
}

func checkOverwrite(ctx context.Context, t *tester) error {
	if err := t.layout(ctx); err != nil {
		return err
	}
	if err := t.locate(ctx, 4); err != nil {
		return err
	}
	if err := t.write(ctx, 100, 500); err != nil {
		return err
	}
	if err := t.d.WriteFilemarks(ctx, 0, true); err != nil {
		return err
	}
	if err := t.locate(ctx, 2); err != nil {
		return err
	}
	if err := t.readBlock(ctx, 2, 1000); err != nil {
		return fmt.Errorf("a block before the overwrite: %w", err)
	}
	if _, err := t.d.Read(ctx, make([]byte, 10)); !errors.Is(err, tape.ErrFilemark) {
		return fmt.Errorf("the filemark before the overwrite: %v", err)
	}
	if err := t.readBlock(ctx, 100, 500); err != nil {
		return fmt.Errorf("the new block: %w", err)
	}
	_, err := t.d.Read(ctx, make([]byte, 10))
	if err := expect("read after the overwritten block", err, tape.ErrEndOfData, -1); err != nil {
		return err
	}
	return expect("locate to a block the overwrite removed", t.d.Locate(ctx, tape.Position{Block: 7}), tape.ErrEndOfData, -1)
}

func checkSync(ctx context.Context, t *tester) error {
	if err := t.d.Rewind(ctx); err != nil {
		return err
	}
	if err := t.write(ctx, 0, 10); err != nil {
		return err
	}
	if err := t.d.WriteFilemarks(ctx, 0, true); err != nil {
		return fmt.Errorf("flush without filemarks: %w", err)
	}
	if err := t.at(ctx, "after a flush", 1, 0); err != nil {
		return err
	}
	if err := t.d.WriteFilemarks(ctx, 2, true); err != nil {
		return fmt.Errorf("two synchronous filemarks: %w", err)
	}
	return t.at(ctx, "after two filemarks", 3, 2)
}

func checkIllegal(ctx context.Context, t *tester) error {
	if err := t.d.Rewind(ctx); err != nil {
		return err
	}
	err := t.d.Write(ctx, nil)
	if !errors.Is(err, tape.ErrIllegalRequest) {
		return fmt.Errorf("write of an empty block: got %v, want ErrIllegalRequest", err)
	}
	err = t.d.WriteFilemarks(ctx, -1, false)
	if !errors.Is(err, tape.ErrIllegalRequest) {
		return fmt.Errorf("negative filemark count: got %v, want ErrIllegalRequest", err)
	}
	return t.at(ctx, "after rejected requests", 0, 0)
}

func checkUnloadLoad(ctx context.Context, t *tester) error {
	if err := t.layout(ctx); err != nil {
		return err
	}
	for cycle := range 2 {
		if err := t.d.Unload(ctx); err != nil {
			return fmt.Errorf("cycle %d: unload: %w", cycle, err)
		}
		if _, err := t.d.Read(ctx, make([]byte, 10)); !errors.Is(err, tape.ErrNotReady) && !errors.Is(err, tape.ErrNoMedium) {
			return fmt.Errorf("cycle %d: read after unload: got %v, want ErrNotReady or ErrNoMedium", cycle, err)
		}
		if err := t.d.Load(ctx); err != nil {
			return fmt.Errorf("cycle %d: load: %w", cycle, err)
		}
		if err := t.d.Load(ctx); err != nil {
			return fmt.Errorf("cycle %d: load of a loaded drive: %w", cycle, err)
		}
		if err := t.at(ctx, "after load", 0, 0); err != nil {
			return err
		}
		if err := t.readBlock(ctx, 0, 1); err != nil {
			return fmt.Errorf("cycle %d: data after reload: %w", cycle, err)
		}
	}
	return nil
}

func checkCancelled(ctx context.Context, t *tester) error {
	c, cancel := context.WithCancel(ctx)
	cancel()
	if err := t.d.Rewind(c); !errors.Is(err, context.Canceled) {
		return fmt.Errorf("rewind with a cancelled context: got %v, want context.Canceled", err)
	}
	return nil
}

func checkClosed(ctx context.Context, t *tester) error {
	if err := t.d.Close(); err != nil {
		return fmt.Errorf("close: %w", err)
	}
	if _, err := t.d.Position(ctx); !errors.Is(err, tape.ErrClosed) {
		return fmt.Errorf("position after close: got %v, want ErrClosed", err)
	}
	return nil
}

func checkWriteProtect(ctx context.Context, t *tester) error {
	if err := t.d.Rewind(ctx); err != nil {
		return err
	}
	st, err := t.d.Status(ctx)
	if err != nil {
		return err
	}
	if !st.WriteProtected {
		return errors.New("status of a write-protected cartridge: WriteProtected is false")
	}
	err = t.d.Write(ctx, block(0, 10))
	if !errors.Is(err, tape.ErrWriteProtected) || tape.MayHaveWritten(err) {
		return fmt.Errorf("write to a write-protected cartridge: got %v (may have written: %v)", err, tape.MayHaveWritten(err))
	}
	if err := t.d.WriteFilemarks(ctx, 1, true); !errors.Is(err, tape.ErrWriteProtected) {
		return fmt.Errorf("filemark on a write-protected cartridge: got %v", err)
	}
	return t.at(ctx, "after refused writes", 0, 0)
}

func checkEndOfMedium(ctx context.Context, t *tester) error {
	if t.cfg.SmallLimit <= 0 {
		return errors.New("Config.Small needs Config.SmallLimit")
	}
	if err := t.d.Rewind(ctx); err != nil {
		return err
	}
	n := t.cfg.BlockSize
	var written, warned int
	var total int64
	for {
		if total > t.cfg.SmallLimit {
			return fmt.Errorf("wrote %d bytes without reaching the end of the medium", total)
		}
		err := t.d.Write(ctx, block(written, n))
		if err == nil {
			if warned > 0 {
				return fmt.Errorf("write %d succeeded without early warning after early warning was reported", written)
			}
			written++
			total += int64(n)
			continue
		}
		if errors.Is(err, tape.ErrEarlyWarning) {
			if tape.MayHaveWritten(err) {
				return errors.New("MayHaveWritten is true for early warning, whose data was written")
			}
			warned++
			written++
			total += int64(n)
			continue
		}
		if errors.Is(err, tape.ErrEndOfMedium) {
			break
		}
		return fmt.Errorf("write %d: %w", written, err)
	}
	if warned == 0 {
		return errors.New("the end of the medium came without early warning")
	}
	st, err := t.d.Status(ctx)
	if err != nil {
		return err
	}
	if !st.EarlyWarning {
		return errors.New("status past early warning: EarlyWarning is false")
	}
	// Filemarks in the warning zone are still written, with early warning.
	if err := t.d.WriteFilemarks(ctx, 1, true); err != nil && !errors.Is(err, tape.ErrEarlyWarning) && !errors.Is(err, tape.ErrEndOfMedium) {
		return fmt.Errorf("filemark in the warning zone: %w", err)
	}
	if err := t.d.Rewind(ctx); err != nil {
		return err
	}
	for i := range written {
		if err := t.readBlock(ctx, i, n); err != nil {
			return fmt.Errorf("reading back what was acknowledged: %w", err)
		}
	}
	return nil
}
