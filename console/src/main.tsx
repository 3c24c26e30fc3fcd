// The edgebroker web console (docs/console.md): a client of the public /v1 and /ds API.
import "@picocss/pico/css/pico.min.css";
import "uplot/dist/uPlot.min.css";
import "./console.css";
import { render } from "preact";
import { App } from "./app.tsx";

render(<App />, document.getElementById("app")!);
