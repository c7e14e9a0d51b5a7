// A per-frame GCE program (docs/cmdq-asm.md): the client puts clear_event + wfe on
// MUTEX0_STREAM_EOF before it and the helper's EOC + JUMP after it, so the packet runs once
// per frame, in the vblank.
write DISP_OVL0 + 0x040, 0x00000001
mask 0x0000ff00
write DISP_RDMA0 + 0x000, 0x00001200, masked
