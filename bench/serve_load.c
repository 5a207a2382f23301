/*
** serve_load.c — a loopback load client for `sdm serve` (bench/serve.sh):
** C threads each keep one libcurl handle (a kept-alive connection) and
** send their share of requests; prints requests/s and p50/p99 latency.
**   serve_load URL TOKEN THREADS get N          GET URL N times
**   serve_load URL TOKEN THREADS complete IDS   POST URL/ID/complete per id
**                                               in file IDS (one per line)
** Any answer but 200 counts as an error and is reported.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <time.h>
#include <curl/curl.h>

static const char *base, *token, *mode;
static long *ids, nids, nreq, next_req, errors;
static double *lat;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;

static size_t sink(char *p, size_t s, size_t n, void *u) { return s * n; }

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void *worker(void *arg) {
    CURL *c = curl_easy_init();
    char auth[200], url[512];
    snprintf(auth, sizeof auth, "Authorization: Bearer %s", token);
    struct curl_slist *h = curl_slist_append(NULL, auth);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, sink);
    for (;;) {
        pthread_mutex_lock(&mu);
        long i = next_req < nreq ? next_req++ : -1;
        pthread_mutex_unlock(&mu);
        if (i < 0) break;
        if (ids) {
            snprintf(url, sizeof url, "%s/%ld/complete", base, ids[i]);
            curl_easy_setopt(c, CURLOPT_POSTFIELDS, "{}");
        } else snprintf(url, sizeof url, "%s", base);
        curl_easy_setopt(c, CURLOPT_URL, url);
        double t0 = now_s();
        CURLcode rc = curl_easy_perform(c);
        long status = 0;
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
        lat[i] = now_s() - t0;
        if (rc != CURLE_OK || status != 200) {
            pthread_mutex_lock(&mu);
            if (errors++ < 5) fprintf(stderr, "serve_load: %s -> %ld %s\n", url, status, curl_easy_strerror(rc));
            pthread_mutex_unlock(&mu);
        }
    }
    curl_slist_free_all(h);
    curl_easy_cleanup(c);
    return NULL;
}

static int cmp(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

int main(int argc, char **argv) {
    if (argc != 6) { fprintf(stderr, "usage: serve_load URL TOKEN THREADS get N | complete IDS\n"); return 2; }
    base = argv[1]; token = argv[2]; mode = argv[4];
    int threads = atoi(argv[3]);
    if (strcmp(mode, "complete") == 0) {
        FILE *f = fopen(argv[5], "r");
        if (!f) { perror(argv[5]); return 1; }
        long cap = 1024, v;
        ids = malloc(cap * sizeof *ids);
        while (fscanf(f, "%ld", &v) == 1) {
            if (nids == cap) ids = realloc(ids, (cap *= 2) * sizeof *ids);
            ids[nids++] = v;
        }
        fclose(f);
        nreq = nids;
    } else nreq = atol(argv[5]);
    lat = calloc((size_t)nreq + 1, sizeof *lat);
    curl_global_init(CURL_GLOBAL_ALL);
    pthread_t *t = malloc((size_t)threads * sizeof *t);
    double t0 = now_s();
    for (int i = 0; i < threads; i++) pthread_create(&t[i], NULL, worker, NULL);
    for (int i = 0; i < threads; i++) pthread_join(t[i], NULL);
    double secs = now_s() - t0;
    qsort(lat, (size_t)nreq, sizeof *lat, cmp);
    printf("%-9s %6ld requests, %2d connections: %8.0f requests/s, p50 %6.2f ms, p99 %6.2f ms, %ld errors\n",
           mode, nreq, threads, nreq / secs, lat[nreq / 2] * 1e3, lat[nreq * 99 / 100] * 1e3, errors);
    curl_global_cleanup();
    return errors ? 1 : 0;
}
