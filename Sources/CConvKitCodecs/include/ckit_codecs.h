/* placeholder: the codec shim is written next */
int ckit_placeholder(void);
