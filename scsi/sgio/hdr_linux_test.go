//go:build linux && (amd64 || arm64 || riscv64 || ppc64le || s390x || loong64)

package sgio

import (
	"testing"
	"unsafe"

	"github.com/google/go-cmp/cmp"
)

// TestHdrLayout checks sgIOHdr against struct sg_io_hdr as the C compiler
// lays it out on 64-bit Linux (offsets from include/scsi/sg.h with LP64
// natural alignment; pahole prints the same).
func TestHdrLayout(t *testing.T) {
	var h sgIOHdr
	got := map[string]uintptr{
		"interface_id":    unsafe.Offsetof(h.interfaceID),
		"dxfer_direction": unsafe.Offsetof(h.dxferDirection),
		"cmd_len":         unsafe.Offsetof(h.cmdLen),
		"mx_sb_len":       unsafe.Offsetof(h.mxSbLen),
		"iovec_count":     unsafe.Offsetof(h.iovecCount),
		"dxfer_len":       unsafe.Offsetof(h.dxferLen),
		"dxferp":          unsafe.Offsetof(h.dxferp),
		"cmdp":            unsafe.Offsetof(h.cmdp),
		"sbp":             unsafe.Offsetof(h.sbp),
		"timeout":         unsafe.Offsetof(h.timeout),
		"flags":           unsafe.Offsetof(h.flags),
		"pack_id":         unsafe.Offsetof(h.packID),
		"usr_ptr":         unsafe.Offsetof(h.usrPtr),
		"status":          unsafe.Offsetof(h.status),
		"masked_status":   unsafe.Offsetof(h.maskedStatus),
		"msg_status":      unsafe.Offsetof(h.msgStatus),
		"sb_len_wr":       unsafe.Offsetof(h.sbLenWr),
		"host_status":     unsafe.Offsetof(h.hostStatus),
		"driver_status":   unsafe.Offsetof(h.driverStatus),
		"resid":           unsafe.Offsetof(h.resid),
		"duration":        unsafe.Offsetof(h.duration),
		"info":            unsafe.Offsetof(h.info),
		"sizeof":          unsafe.Sizeof(h),
	}
	want := map[string]uintptr{
		"interface_id": 0, "dxfer_direction": 4, "cmd_len": 8, "mx_sb_len": 9,
		"iovec_count": 10, "dxfer_len": 12, "dxferp": 16, "cmdp": 24, "sbp": 32,
		"timeout": 40, "flags": 44, "pack_id": 48, "usr_ptr": 56, "status": 64,
		"masked_status": 65, "msg_status": 66, "sb_len_wr": 67, "host_status": 68,
		"driver_status": 70, "resid": 72, "duration": 76, "info": 80, "sizeof": 88,
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("sg_io_hdr layout (-kernel +Go):\n%s", d)
	}
}

// TestReqInfoLayout checks sgReqInfo against struct sg_req_info on 64-bit
// Linux: four chars, pack_id at 4, usr_ptr at 8, duration at 16, 24 bytes.
func TestReqInfoLayout(t *testing.T) {
	var r sgReqInfo
	got := []uintptr{unsafe.Offsetof(r.reqState), unsafe.Offsetof(r.problem), unsafe.Offsetof(r.packID),
		unsafe.Offsetof(r.usrPtr), unsafe.Offsetof(r.duration), unsafe.Offsetof(r.unused), unsafe.Sizeof(r)}
	if d := cmp.Diff([]uintptr{0, 3, 4, 8, 16, 20, 24}, got); d != "" {
		t.Errorf("sg_req_info layout (-kernel +Go):\n%s", d)
	}
}
