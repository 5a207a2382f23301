/*
** test_xml.c — engine/xml.c: well-formed documents become an xml_node tree
** matched by namespace URI (never by prefix), with lines and text; broken
** or hostile input is refused with a message a person can act on.
*/
#include <time.h>
#include "xml.h"
#include "t.h"

#define BPMN "http://www.omg.org/spec/BPMN/20100524/MODEL"
#define BIG  ((size_t)16 << 20)

static sdm_err err;

/* Parse a NUL-terminated text; returns the status, *out the document. */
static int parse(const char *text, xml_doc **out) {
    memset(&err, 0, sizeof err);
    return xml_parse("t.bpmn", text, strlen(text), BIG, out, &err);
}

static const xml_node *nth_child(const xml_node *n, int i) {
    const xml_node *c = n ? n->child : NULL;
    while (c && i-- > 0) c = c->next;
    return c;
}

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* A hostile text must be refused quickly with SDM_ERR_XML and a message
** naming what is wrong. */
static void refused(const char *text, size_t len, const char *want) {
    xml_doc *d = NULL;
    memset(&err, 0, sizeof err);
    double t0 = now_s();
    int rc = xml_parse("evil.bpmn", text, len, BIG, &d, &err);
    double dt = now_s() - t0;
    CHECK_EQ_INT(rc, SDM_ERR_XML);
    CHECK(d == NULL);
    CHECK_CONTAINS(err.msg, want);
    CHECK(dt < 0.5);
    xml_free(d);
}

int main(void) {
    xml_doc *d = NULL;

    T_CASE("1.1 well-formed document becomes a tree");
    CHECK_EQ_INT(parse("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                       "<bpmn:definitions xmlns:bpmn=\"" BPMN "\" id=\"defs\">\n"
                       "  <bpmn:process id=\"p\" isExecutable=\"true\">\n"
                       "    <bpmn:startEvent id=\"s\"/>\n"
                       "    <bpmn:endEvent id=\"e\" name=\"Done &amp; dusted\"/>\n"
                       "  </bpmn:process>\n"
                       "</bpmn:definitions>\n", &d), SDM_OK);
    CHECK(d && d->root);
    if (d && d->root) {
        const xml_node *r = d->root, *p = r->child;
        CHECK_EQ_STR(r->name, "definitions");
        CHECK_EQ_STR(r->ns, BPMN);
        CHECK(r->parent == NULL);
        CHECK_EQ_STR(xml_attr_get(r, NULL, "id"), "defs");
        CHECK(xml_attr_get(r, NULL, "missing") == NULL);
        CHECK(p && xml_is(p, BPMN, "process"));
        CHECK(p && p->parent == r && p->next == NULL);
        CHECK_EQ_STR(p ? xml_attr_get(p, NULL, "isExecutable") : NULL, "true");
        CHECK(p && xml_is(nth_child(p, 0), BPMN, "startEvent"));
        CHECK(p && xml_is(nth_child(p, 1), BPMN, "endEvent"));
        CHECK(p && nth_child(p, 2) == NULL);
        CHECK_EQ_STR(p ? xml_attr_get(nth_child(p, 1), NULL, "name") : NULL, "Done & dusted");
        CHECK(!xml_is(r, "urn:other", "definitions"));
        CHECK(!xml_is(r, BPMN, "process"));
        CHECK(!xml_is(r, NULL, "definitions"));
    }
    xml_free(d); d = NULL;

    T_CASE("1.2 namespaces: any prefix, default namespace, prefixed attributes");
    {
        static const char *forms[] = {
            "<semantic:definitions xmlns:semantic=\"" BPMN "\"><semantic:process id=\"p\"/></semantic:definitions>",
            "<definitions xmlns=\"" BPMN "\"><process id=\"p\"/></definitions>",
            "<bpmn2:definitions xmlns:bpmn2=\"" BPMN "\"><bpmn2:process id=\"p\"/></bpmn2:definitions>",
            "<a:definitions xmlns:a=\"" BPMN "\"><process xmlns=\"" BPMN "\" id=\"p\"/></a:definitions>",
        };
        for (size_t i = 0; i < sizeof forms / sizeof *forms; i++) {
            CHECK_EQ_INT(parse(forms[i], &d), SDM_OK);
            CHECK(d && xml_is(d->root, BPMN, "definitions"));
            CHECK(d && d->root->child && xml_is(d->root->child, BPMN, "process"));
            CHECK_EQ_STR(d && d->root->child ? xml_attr_get(d->root->child, NULL, "id") : NULL, "p");
            xml_free(d); d = NULL;
        }
        /* Same local name, other namespace: not BPMN. A prefix bound to
        ** another URI does not count, whatever it is called. */
        CHECK_EQ_INT(parse("<bpmn:definitions xmlns:bpmn=\"urn:not-bpmn\"/>", &d), SDM_OK);
        CHECK(d && !xml_is(d->root, BPMN, "definitions"));
        CHECK_EQ_STR(d ? d->root->ns : NULL, "urn:not-bpmn");
        xml_free(d); d = NULL;
        CHECK_EQ_INT(parse("<definitions/>", &d), SDM_OK);
        CHECK(d && d->root->ns == NULL);
        CHECK(d && xml_is(d->root, NULL, "definitions"));
        xml_free(d); d = NULL;
        /* Qualified attributes carry their URI; unqualified ones none even
        ** under a default namespace. */
        CHECK_EQ_INT(parse("<definitions xmlns=\"" BPMN "\" xmlns:s=\"urn:sdm:bpmn:1\" xmlns:z=\"urn:sdm:bpmn:1\">"
                           "<userTask id=\"u\" s:assignee=\"ann\" z:due=\"P1D\"/></definitions>", &d), SDM_OK);
        const xml_node *u = d ? d->root->child : NULL;
        CHECK_EQ_STR(u ? xml_attr_get(u, NULL, "id") : NULL, "u");
        CHECK(u && xml_attr_get(u, BPMN, "id") == NULL);
        CHECK_EQ_STR(u ? xml_attr_get(u, "urn:sdm:bpmn:1", "assignee") : NULL, "ann");
        CHECK_EQ_STR(u ? xml_attr_get(u, "urn:sdm:bpmn:1", "due") : NULL, "P1D");
        CHECK(u && xml_attr_get(u, NULL, "assignee") == NULL);
        CHECK_EQ_INT(u ? u->nattr : -1, 3);
        xml_free(d); d = NULL;
    }

    T_CASE("1.3 line numbers of elements");
    CHECK_EQ_INT(parse("<?xml version=\"1.0\"?>\n"
                       "<!-- a comment\n spanning two lines -->\n"
                       "<r>\n"
                       "  <a/>\n"
                       "\n"
                       "  <b\n"
                       "     x=\"1\"/>\n"
                       "  <c>text\nmore</c><d/>\n"
                       "</r>\n", &d), SDM_OK);
    if (d) {
        CHECK_EQ_INT(d->root->line, 4);
        CHECK_EQ_INT(nth_child(d->root, 0)->line, 5);
        /* libxml2 numbers an element by the line where its start tag ends. */
        CHECK(nth_child(d->root, 1)->line == 7 || nth_child(d->root, 1)->line == 8);
        CHECK_EQ_INT(nth_child(d->root, 2)->line, 9);
        CHECK_EQ_INT(nth_child(d->root, 3) ? nth_child(d->root, 3)->line : -1, 10);
    }
    xml_free(d); d = NULL;
    {   /* A line beyond 65535 (libxml2 stores lines in 16 bits unless asked). */
        size_t n = 70000;
        char *big = malloc(n + 64);
        strcpy(big, "<r>");
        memset(big + 3, '\n', n);
        strcpy(big + 3 + n, "<deep/></r>");
        memset(&err, 0, sizeof err);
        CHECK_EQ_INT(xml_parse("big.bpmn", big, strlen(big), BIG, &d, &err), SDM_OK);
        CHECK_EQ_INT(d && d->root->child ? d->root->child->line : -1, (int)n + 1);
        xml_free(d); d = NULL;
        free(big);
    }

    T_CASE("1.4 text and CDATA are joined; entities of XML itself decoded");
    CHECK_EQ_INT(parse("<r><s>  a &lt; b &amp;&amp; c &gt; 1 </s>"
                       "<c><![CDATA[if x < 1 and y > 2 then z = \"&\" end]]></c>"
                       "<m>one<x/>two<![CDATA[<three>]]>&#52;</m><e/><n>&#x263A;</n></r>", &d), SDM_OK);
    if (d) {
        CHECK_EQ_STR(nth_child(d->root, 0)->text, "  a < b && c > 1 ");
        CHECK_EQ_STR(nth_child(d->root, 1)->text, "if x < 1 and y > 2 then z = \"&\" end");
        CHECK_EQ_STR(nth_child(d->root, 2)->text, "onetwo<three>4");
        CHECK_EQ_STR(nth_child(d->root, 3)->text, "");
        CHECK_EQ_STR(nth_child(d->root, 4)->text, "\xe2\x98\xba");
        CHECK_EQ_STR(d->root->text, "");
    }
    xml_free(d); d = NULL;

    T_CASE("1.5 malformed XML: SDM_ERR_XML with libxml2's message and line");
    CHECK_EQ_INT(parse("<r>\n  <a>\n  </b>\n</r>\n", &d), SDM_ERR_XML);
    CHECK(d == NULL);
    CHECK_EQ_INT(err.code, SDM_ERR_XML);
    CHECK_CONTAINS(err.msg, "mismatch");
    CHECK_EQ_INT(err.line, 3);
    CHECK_EQ_STR(err.file, "t.bpmn");
    CHECK(err.msg[0] && err.msg[strlen(err.msg) - 1] != '\n');
    CHECK_EQ_INT(parse("<r>\n\n\n<a x=\"1\" x=\"2\"/></r>", &d), SDM_ERR_XML);
    CHECK_CONTAINS(err.msg, "redefined");
    CHECK_EQ_INT(err.line, 4);
    CHECK_EQ_INT(parse("<r>\n<a>&nbsp;</a></r>", &d), SDM_ERR_XML);
    CHECK_CONTAINS(err.msg, "nbsp");
    CHECK_EQ_INT(err.line, 2);
    /* An undeclared prefix breaks XML Namespaces: the element's namespace
    ** is unknown, so the document cannot be read by URI. */
    CHECK_EQ_INT(parse("<bpmn:r xmlns:x=\"u\">\n</bpmn:r>", &d), SDM_ERR_XML);
    CHECK_CONTAINS(err.msg, "bpmn");
    xml_free(d); d = NULL;
    CHECK_EQ_INT(parse("<r></r>\n<second/>", &d), SDM_ERR_XML);
    CHECK_EQ_INT(err.line, 2);
    CHECK_EQ_INT(parse("<r>\n<unclosed>\n", &d), SDM_ERR_XML);
    CHECK(err.msg[0] != 0);
    CHECK(err.line >= 2);
    {   /* Not UTF-8: a byte sequence that is not valid in the declared encoding. */
        static const char bad[] = "<r>\n\xff\xfe bad</r>";
        memset(&err, 0, sizeof err);
        CHECK_EQ_INT(xml_parse("t.bpmn", bad, sizeof bad - 1, BIG, &d, &err), SDM_ERR_XML);
        CHECK(err.msg[0] != 0);
    }

    T_CASE("1.6 DOCTYPE, entities and DTDs are refused at once");
    {
        static const char laughs[] =
            "<?xml version=\"1.0\"?>\n"
            "<!DOCTYPE lolz [\n"
            " <!ENTITY lol \"lol\">\n"
            " <!ENTITY lol1 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">\n"
            " <!ENTITY lol2 \"&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;\">\n"
            " <!ENTITY lol3 \"&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;\">\n"
            " <!ENTITY lol4 \"&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;\">\n"
            " <!ENTITY lol5 \"&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;\">\n"
            " <!ENTITY lol6 \"&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;\">\n"
            " <!ENTITY lol7 \"&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;\">\n"
            " <!ENTITY lol8 \"&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;\">\n"
            " <!ENTITY lol9 \"&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;\">\n"
            "]>\n"
            "<lolz a=\"&lol9;\">&lol9;</lolz>\n";
        refused(laughs, sizeof laughs - 1, "DOCTYPE");
        static const char xxe[] =
            "<?xml version=\"1.0\"?>\n"
            "<!DOCTYPE r [ <!ENTITY xxe SYSTEM \"file:///etc/passwd\"> ]>\n"
            "<r>&xxe;</r>\n";
        refused(xxe, sizeof xxe - 1, "DOCTYPE");
        static const char ext_dtd[] =
            "<!-- leading comment -->\n<?pi x?>\n"
            "<!DOCTYPE definitions SYSTEM \"http://example.invalid/bpmn.dtd\">\n<definitions/>";
        refused(ext_dtd, sizeof ext_dtd - 1, "DOCTYPE");
        static const char bom[] = "\xef\xbb\xbf<?xml version=\"1.0\"?><!DOCTYPE r [<!ENTITY e \"x\">]><r>&e;</r>";
        refused(bom, sizeof bom - 1, "DOCTYPE");
        static const char param[] =
            "<?xml version=\"1.0\"?>\n<!DOCTYPE r [ <!ENTITY % p SYSTEM \"file:///etc/passwd\"> %p; ]>\n<r/>";
        refused(param, sizeof param - 1, "DOCTYPE");
        /* The same in UTF-16: the prolog bytes are not ASCII, but it is
        ** still a DOCTYPE and must be refused like any other; otherwise its
        ** entities are expanded (here into an attribute). */
        const char *src = "<?xml version=\"1.0\" encoding=\"UTF-16\"?>\n"
                          "<!DOCTYPE r [ <!ENTITY i \"EXPANDED\"> ]>\n"
                          "<r a=\"&i;\">&i;</r>\n";
        size_t n = strlen(src);
        char *u16 = malloc(2 * n + 2);
        u16[0] = (char)0xff; u16[1] = (char)0xfe;
        for (size_t i = 0; i < n; i++) { u16[2 + 2 * i] = src[i]; u16[3 + 2 * i] = 0; }
        memset(&err, 0, sizeof err);
        int rc = xml_parse("evil16.bpmn", u16, 2 * n + 2, BIG, &d, &err);
        CHECK_EQ_INT(rc, SDM_ERR_XML);
        CHECK_CONTAINS(err.msg, "DOCTYPE");
        if (rc == SDM_OK && d) {
            const char *a = xml_attr_get(d->root, NULL, "a");
            CHECK(a == NULL || strstr(a, "EXPANDED") == NULL);
        }
        xml_free(d); d = NULL;
        free(u16);
    }

    T_CASE("1.7 size limit before parsing");
    {
        const char *t = "<r>0123456789</r>";
        size_t n = strlen(t);
        memset(&err, 0, sizeof err);
        CHECK_EQ_INT(xml_parse("s.bpmn", t, n, n - 1, &d, &err), SDM_ERR_LIMIT);
        CHECK(d == NULL);
        CHECK_CONTAINS(err.msg, "limit");
        CHECK_EQ_STR(err.file, "s.bpmn");
        CHECK_EQ_INT(xml_parse("s.bpmn", t, n, n, &d, &err), SDM_OK);
        xml_free(d); d = NULL;
        /* Over the limit even when the text would not be well-formed. */
        CHECK_EQ_INT(xml_parse("s.bpmn", "<<<<<<", 6, 3, &d, &err), SDM_ERR_LIMIT);
    }

    T_CASE("1.8 empty and blank input");
    CHECK_EQ_INT(parse("", &d), SDM_ERR_XML);
    CHECK(d == NULL);
    CHECK(err.msg[0] != 0);
    CHECK_EQ_INT(parse("   \n\t\n", &d), SDM_ERR_XML);
    CHECK(err.msg[0] != 0);
    CHECK_EQ_INT(parse("<?xml version=\"1.0\"?>", &d), SDM_ERR_XML);
    CHECK_EQ_INT(parse("<!-- only a comment -->", &d), SDM_ERR_XML);
    CHECK_EQ_INT(parse("just text", &d), SDM_ERR_XML);
    xml_free(NULL);                          /* harmless */

    T_CASE("1.9 deep nesting is refused or parsed, never a crash");
    {
        int depth = 5000;
        char *s = malloc((size_t)depth * 7 + 16), *p = s;
        for (int i = 0; i < depth; i++) p += sprintf(p, "<a>");
        for (int i = 0; i < depth; i++) p += sprintf(p, "</a>");
        memset(&err, 0, sizeof err);
        int rc = xml_parse("deep.bpmn", s, (size_t)(p - s), BIG, &d, &err);
        CHECK(rc == SDM_OK || rc == SDM_ERR_XML || rc == SDM_ERR_LIMIT);
        if (rc) CHECK(err.msg[0] != 0);
        xml_free(d); d = NULL;
        free(s);
    }
    return t_done();
}
