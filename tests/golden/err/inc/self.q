# imports itself
import "self.q";
