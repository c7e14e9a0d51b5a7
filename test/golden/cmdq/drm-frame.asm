  clear_event MUTEX0_STREAM_EOF
  wait_no_clear MUTEX0_STREAM_EOF
  write DISP_OVL0 + 0x040, 0x00000001
  mask 0x0000ff00
  write DISP_RDMA0 + 0x000, 0x00001200, masked
  eoc
  jump +8
