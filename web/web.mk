# The web pages (web/, README "Web pages"): embedded into sdm at build time
# by web/embed.sh, together with the bpmn-js viewer installed from npm into
# build/npm. Included at the end of the Makefile.

BPMNJS     = bpmn-js@17.11.1
WEBSRC     = $(wildcard web/*.html web/*.css web/*.js web/*.json)
BPMNDIST   = build/npm/node_modules/bpmn-js/dist
WEBVENDOR  = build/web/bpmn-viewer.js build/web/diagram-js.css build/web/bpmn-js.css
CLIOBJ    += build/obj/gen/www.o
TCLIOBJ   += build/tobj/gen/www.o

$(BPMNDIST)/bpmn-viewer.production.min.js:
	@command -v npm >/dev/null || { echo "sdm: npm is needed to build the web pages (apt-get install npm)" >&2; exit 1; }
	@mkdir -p build/npm
	@npm install --silent --no-audit --no-fund --prefix build/npm $(BPMNJS) >/dev/null 2>build/npm/error.log || \
	  { echo "sdm: could not install $(BPMNJS) from npm for the process diagrams:" >&2; tail -5 build/npm/error.log >&2; exit 1; }
	@touch $@
$(WEBVENDOR): $(BPMNDIST)/bpmn-viewer.production.min.js
	@mkdir -p build/web
	cp $(BPMNDIST)/bpmn-viewer.production.min.js build/web/bpmn-viewer.js
	cp $(BPMNDIST)/assets/diagram-js.css build/web/diagram-js.css
	cp $(BPMNDIST)/assets/bpmn-js.css build/web/bpmn-js.css
build/gen/www.c: $(WEBSRC) $(WEBVENDOR) web/embed.sh
	web/embed.sh $@ $(WEBSRC) $(WEBVENDOR)
build/obj/gen/www.o: build/gen/www.c engine/server/server.h
	@mkdir -p $(dir $@)
	$(CC) $(ALLCF) -c $< -o $@
build/tobj/gen/www.o: build/gen/www.c engine/server/server.h
	@mkdir -p $(dir $@)
	$(CC) $(TCF) -c $< -o $@
build/sdm: build/obj/gen/www.o
build/test/sdm: build/tobj/gen/www.o
