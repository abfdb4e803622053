import "../import_cycle.q";
