package smc_test

import (
	"context"
	"testing"

	"github.com/tapekit/tapekit/changer/changertest"
	"github.com/tapekit/tapekit/changer/smc"
	"github.com/tapekit/tapekit/simulator"
)

func library(t *testing.T) *simulator.Library {
	cfg := &simulator.Config{
		Drives: []simulator.DriveConfig{{Product: "ULT3580-TD9", Serial: "DRV000001"}, {Product: "ULT3580-TD9", Serial: "DRV000002"}},
		Slots:  10, Ports: 2,
	}
	for i, bc := range []string{"AAA001L9", "AAA002L9", "AAA003L9", "OLD001L5", "CLN001L1"} {
		cfg.Cartridges = append(cfg.Cartridges, simulator.CartridgeConfig{Barcode: bc, Slot: i + 1})
	}
	l, err := simulator.New(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	return l
}

// TestSCSIChangerConformance runs changertest on "SMC driver → simulator
// SCSI target", reading the inventory in pages of 3 elements so paging is
// exercised too.
func TestSCSIChangerConformance(t *testing.T) {
	err := changertest.TestChanger(context.Background(), changertest.Config{
		New: func(ctx context.Context) (changertest.Library, error) {
			target, err := library(t).ChangerTarget()
			if err != nil {
				return changertest.Library{}, err
			}
			c, err := smc.New(target, &smc.Options{PageSize: 3})
			if err != nil {
				return changertest.Library{}, err
			}
			return changertest.Library{Changer: c, Incompatible: "OLD001L5"}, nil
		},
		Report: func(check string, err error) { t.Logf("%-20s %v", check, err) },
	})
	if err != nil {
		t.Fatal(err)
	}
}
