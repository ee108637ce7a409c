//go:build cuda

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>

#include "shim.h"

// The cuBLAS types, declared here rather than taken from a toolkit's cublas_api.h: the ABI of
// these calls is the same in cuBLAS 11, 12 and 13.
typedef void* handle_t;
typedef void* stream_t;

struct gogan_cublas {
	void* lib;
	void* lt;  // the cuBLASLt loaded before lib, or NULL
	int (*create)(handle_t*);
	int (*destroy)(handle_t);
	int (*set_stream)(handle_t, stream_t);
	int (*get_version)(handle_t, int*);
	int (*sgemm)(handle_t, int, int, int, int, int, const float*, const float*, int, const float*, int,
	             const float*, float*, int);
	// Optional: absent in some builds, and gogan works without them.
	int (*set_math_mode)(handle_t, int);
	int (*set_workspace)(handle_t, void*, size_t);
	int (*get_property)(int, int*);
};

static void* need(gogan_cublas* l, const char* path, const char* name, char* err, size_t errlen) {
	void* s = dlsym(l->lib, name);
	if (s == NULL) snprintf(err, errlen, "%s has no %s", path, name);
	return s;
}

gogan_cublas* gogan_cublas_open(const char* path, const char* lt, char* err, size_t errlen) {
	void* ltlib = NULL;
	if (lt != NULL) {
		// Loaded first, libcublas's dependency on it by soname is satisfied by this copy.
		ltlib = dlopen(lt, RTLD_NOW | RTLD_GLOBAL);
		if (ltlib == NULL) {
			const char* why = dlerror();
			snprintf(err, errlen, "%s", why ? why : "dlopen failed");
			return NULL;
		}
	}
	void* lib = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (lib == NULL) {
		const char* why = dlerror();
		snprintf(err, errlen, "%s", why ? why : "dlopen failed");
		if (ltlib != NULL) dlclose(ltlib);
		return NULL;
	}
	gogan_cublas* l = calloc(1, sizeof *l);
	if (l == NULL) {
		dlclose(lib);
		if (ltlib != NULL) dlclose(ltlib);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	l->lib = lib;
	l->lt = ltlib;
	if (!(l->create = need(l, path, "cublasCreate_v2", err, errlen)) ||
	    !(l->destroy = need(l, path, "cublasDestroy_v2", err, errlen)) ||
	    !(l->set_stream = need(l, path, "cublasSetStream_v2", err, errlen)) ||
	    !(l->get_version = need(l, path, "cublasGetVersion_v2", err, errlen)) ||
	    !(l->sgemm = need(l, path, "cublasSgemm_v2", err, errlen))) {
		gogan_cublas_close(l);
		return NULL;
	}
	l->set_math_mode = dlsym(lib, "cublasSetMathMode");
	l->set_workspace = dlsym(lib, "cublasSetWorkspace_v2");
	l->get_property = dlsym(lib, "cublasGetProperty");
	return l;
}

void gogan_cublas_close(gogan_cublas* l) {
	dlclose(l->lib);
	if (l->lt != NULL) dlclose(l->lt);
	free(l);
}

int gogan_cublas_create(gogan_cublas* l, uintptr_t* handle) {
	handle_t h = NULL;
	int r = l->create(&h);
	*handle = (uintptr_t)h;
	return r;
}

int gogan_cublas_destroy(gogan_cublas* l, uintptr_t handle) { return l->destroy((handle_t)handle); }

int gogan_cublas_set_stream(gogan_cublas* l, uintptr_t handle, uintptr_t stream) {
	return l->set_stream((handle_t)handle, (stream_t)stream);
}

int gogan_cublas_set_math_mode(gogan_cublas* l, uintptr_t handle, int mode) {
	return l->set_math_mode ? l->set_math_mode((handle_t)handle, mode) : -1;
}

int gogan_cublas_set_workspace(gogan_cublas* l, uintptr_t handle, uintptr_t ws, size_t bytes) {
	return l->set_workspace ? l->set_workspace((handle_t)handle, (void*)ws, bytes) : -1;
}

int gogan_cublas_get_version(gogan_cublas* l, uintptr_t handle, int* version) {
	return l->get_version((handle_t)handle, version);
}

int gogan_cublas_get_property(gogan_cublas* l, int type, int* value) {
	return l->get_property ? l->get_property(type, value) : -1;
}

int gogan_cublas_sgemm(gogan_cublas* l, uintptr_t handle, int transa, int transb, int m, int n, int k,
                       float alpha, uintptr_t a, int lda, uintptr_t b, int ldb, float beta, uintptr_t c, int ldc) {
	return l->sgemm((handle_t)handle, transa, transb, m, n, k, &alpha, (const float*)a, lda, (const float*)b, ldb,
	                &beta, (float*)c, ldc);
}
