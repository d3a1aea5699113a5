"""The Function App: builds the DFApp, registers one blueprint per front door, orchestrators and activities, and
configures logging and telemetry once for the whole app."""

import azure.durable_functions as df
import azure.functions as func

from activities.blueprint import bp as activities_bp
from orchestrators.blueprint import bp as orchestrators_bp
from triggers import telemetry
from triggers.board import bp as board_bp
from triggers.drills import bp as drills_bp
from triggers.eventgrid import bp as eventgrid_bp
from triggers.http_api import bp as http_bp
from triggers.incident import bp as incident_bp
from triggers.incident import report_secret_at_startup
from triggers.plans import bp as plans_bp

app = df.DFApp(http_auth_level=func.AuthLevel.FUNCTION)
for blueprint in (http_bp, plans_bp, drills_bp, board_bp, eventgrid_bp, incident_bp, orchestrators_bp, activities_bp):
    app.register_functions(blueprint)
telemetry.configure()
report_secret_at_startup()
