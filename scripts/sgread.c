// Reads one tape file through SG_IO READ(6), variable blocks, like dd through st.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <scsi/sg.h>
#include <time.h>
int main(int argc, char **argv) {
	int fd = open(argv[1], O_RDWR | O_NONBLOCK);
	int bs = atoi(argv[2]);
	unsigned char *buf = malloc(bs), sense[64];
	struct timespec a, b; clock_gettime(CLOCK_MONOTONIC, &a);
	int blocks = 0; long bytes = 0;
	for (;;) {
		unsigned char cdb[6] = {0x08, 0, bs >> 16, bs >> 8, bs, 0};
		sg_io_hdr_t h; memset(&h, 0, sizeof h);
		h.interface_id = 'S'; h.dxfer_direction = SG_DXFER_FROM_DEV; h.cmd_len = 6; h.mx_sb_len = sizeof sense;
		h.dxfer_len = bs; h.dxferp = buf; h.cmdp = cdb; h.sbp = sense; h.timeout = 60000;
		if (ioctl(fd, SG_IO, &h) < 0) { perror("SG_IO"); return 1; }
		if (h.status) break; // filemark (or anything else) ends it
		blocks++; bytes += bs - h.resid;
	}
	clock_gettime(CLOCK_MONOTONIC, &b);
	double s = (b.tv_sec - a.tv_sec) + (b.tv_nsec - a.tv_nsec) / 1e9;
	printf("C SG_IO: %d blocks %ld bytes in %.2fs: %.2f ms/block\n", blocks, bytes, s, s * 1000 / blocks);
	return 0;
}
