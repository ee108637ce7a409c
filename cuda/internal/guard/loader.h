// The driver loader of loader.c: gogan_cu_load opens libcuda.so.1 and returns 1, or 0 with
// the reason in gogan_cu_load_error; gogan_cu_stand_in makes every entry point a stand-in.
int gogan_cu_load(void);
const char *gogan_cu_load_error(void);
void gogan_cu_stand_in(void);
