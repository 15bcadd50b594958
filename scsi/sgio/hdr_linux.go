//go:build linux

package sgio

import "unsafe"

// sgIOHdr mirrors struct sg_io_hdr of the kernel's include/scsi/sg.h
// (interface version 3). golang.org/x/sys/unix does not define it. Go lays
// the fields out with the same natural alignment as C, so on every 64-bit
// Linux the struct is 88 bytes with 4 bytes of padding before usrPtr; the
// test checks each offset.
type sgIOHdr struct {
	interfaceID    int32          // 'S'
	dxferDirection int32          // sgDxfer*
	cmdLen         uint8          // CDB length
	mxSbLen        uint8          // sense buffer size
	iovecCount     uint16         // 0: dxferp is a flat buffer
	dxferLen       uint32         // data length
	dxferp         unsafe.Pointer // data buffer
	cmdp           unsafe.Pointer // CDB
	sbp            unsafe.Pointer // sense buffer
	timeout        uint32         // milliseconds
	flags          uint32
	packID         int32
	usrPtr         unsafe.Pointer
	status         uint8 // SCSI status byte
	maskedStatus   uint8 // status shifted right by one (obsolete)
	msgStatus      uint8
	sbLenWr        uint8 // sense bytes written
	hostStatus     uint16
	driverStatus   uint16
	resid          int32 // dxferLen minus bytes transferred
	duration       uint32
	info           uint32
}

// sgReqInfo mirrors struct sg_req_info (sg_req_info_t), one entry of the
// SG_GET_REQUEST_TABLE answer: 24 bytes on 64-bit Linux.
type sgReqInfo struct {
	reqState  int8 // 0: unused, 1: written (running), 2: done, not yet read
	orphan    int8 // from an interrupted SG_IO
	sgIOOwned int8
	problem   int8
	packID    int32
	usrPtr    unsafe.Pointer
	duration  uint32
	unused    int32
}

const (
	ioctlSGGetVersion      = 0x2282
	ioctlSGSetForcePackID  = 0x227b
	ioctlSGGetSGTablesize  = 0x227f
	ioctlSGSetReservedSize = 0x2275
	ioctlSGGetReservedSize = 0x2272
	ioctlSGGetRequestTable = 0x2286
	ioctlBlkSectGet        = 0x1267 // on an sg node: the queue's max_sectors, in bytes
	sgMaxQueue             = 16     // entries SG_GET_REQUEST_TABLE fills
	minSGVersion           = 30000  // interface version 3
	sgDxferNone            = -1
	sgDxferToDev           = -2
	sgDxferFromDev         = -3
	driverByteMask         = 0x0F
	driverSense            = 0x08 // sense data present: not a failure
	maxTimeoutMillisec     = 1<<32 - 2
)
