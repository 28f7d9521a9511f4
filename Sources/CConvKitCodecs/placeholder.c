int ckit_placeholder(void) { return 0; }
