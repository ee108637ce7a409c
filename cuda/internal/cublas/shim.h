// A cuBLAS loaded with dlopen: the few entry points gogan uses, resolved by name, so that
// the binary is linked against no particular cuBLAS major version.
#include <stddef.h>
#include <stdint.h>

typedef struct gogan_cublas gogan_cublas;

// gogan_cublas_open loads the library at path, after lt (the cuBLASLt it depends on) when lt
// is not NULL, and resolves its symbols; on failure it returns NULL and writes the reason to
// err.
gogan_cublas* gogan_cublas_open(const char* path, const char* lt, char* err, size_t errlen);
void gogan_cublas_close(gogan_cublas* l);

// The calls return a cublasStatus_t; -1 means that this cuBLAS lacks the entry point.
int gogan_cublas_create(gogan_cublas* l, uintptr_t* handle);
int gogan_cublas_destroy(gogan_cublas* l, uintptr_t handle);
int gogan_cublas_set_stream(gogan_cublas* l, uintptr_t handle, uintptr_t stream);
int gogan_cublas_set_math_mode(gogan_cublas* l, uintptr_t handle, int mode);
int gogan_cublas_set_workspace(gogan_cublas* l, uintptr_t handle, uintptr_t ws, size_t bytes);
int gogan_cublas_get_version(gogan_cublas* l, uintptr_t handle, int* version);
int gogan_cublas_get_property(gogan_cublas* l, int type, int* value);
int gogan_cublas_sgemm(gogan_cublas* l, uintptr_t handle, int transa, int transb, int m, int n, int k,
                       float alpha, uintptr_t a, int lda, uintptr_t b, int ldb, float beta, uintptr_t c, int ldc);
