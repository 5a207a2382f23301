/*
** test_lazy.c — loading a shared library on first use (lazy.c): a library
** that is there fills the pointers once; one that is missing, or lacks a
** symbol, is a message naming it and the package to install, every time.
*/
#include <math.h>
#include "lazy.h"
#include "t.h"

#define M_FUNCS(X) X(cos) X(sqrt)
M_FUNCS(LAZY_PTR)
static const char *const m_names[] = {M_FUNCS(LAZY_NAME) NULL};
static void **const m_slots[] = {M_FUNCS(LAZY_SLOT)};

int main(void) {
    T_CASE("1.1 a library that is there: every pointer filled, once");
    lazy_lib libm = {"libm.so.6", "libc6", m_names, m_slots, 0, ""};
    CHECK(p_cos == NULL);
    CHECK_EQ_INT(lazy_load(&libm), 0);
    CHECK(p_cos != NULL && p_sqrt != NULL);
    if (p_sqrt) CHECK(p_sqrt(16.0) == 4.0);
    CHECK_EQ_INT(lazy_load(&libm), 0);
    CHECK_EQ_STR(libm.missing, "");

    T_CASE("1.2 a missing library: the soname and the package to install, on every call");
    static const char *const none[] = {NULL};
    lazy_lib gone = {"libsdm-test-missing.so.9", "libsdm-missing9", none, NULL, 0, ""};
    CHECK_EQ_INT(lazy_load(&gone), -1);
    CHECK_CONTAINS(gone.missing, "libsdm-test-missing.so.9 is not installed (apt-get install libsdm-missing9)");
    CHECK_EQ_INT(lazy_load(&gone), -1);

    T_CASE("1.3 a library without a symbol asked for");
    static void *p_none;
    static const char *const odd[] = {"sdm_no_such_symbol", NULL};
    static void **const odd_slots[] = {&p_none};
    lazy_lib lacks = {"libm.so.6", "libc6", odd, odd_slots, 0, ""};
    CHECK_EQ_INT(lazy_load(&lacks), -1);
    CHECK_CONTAINS(lacks.missing, "libm.so.6 lacks sdm_no_such_symbol");
    return t_done();
}
