"""The interactive what-if dashboard (``negsim dashboard``), built on Solara.

The top layer beside `sim.cli`: it reads the scenario and results through the layers below
(`sim.api`, `sim.experiment`, `sim.report`) and only displays what they compute.

Modules:
    whatif: edits in, analysed views out (no user interface; the benchmark times it).
    figures: the ECharts options of the utility space, the dance, the war and heat maps.
    text: labels, the glossary, HTML tables.
    state: one set of reactive values per browser session.
    builder, controls, player, results: the four panels; app: the page.
    server: ``serve`` (uvicorn + Solara's Starlette app).

Solara comes with the optional extra ``negsim[dashboard]``.
"""
